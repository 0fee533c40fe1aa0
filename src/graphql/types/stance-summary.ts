import { STANCES, type Stance } from '../../data/policy.js';
import { currentStanceCounts, stanceHistoryOfTopics, type StanceMonthRow } from '../../data/stance-history.js';
import { builder } from '../builder.js';
import { PolicyTopicRef } from '../refs.js';
import { StanceEnum } from './policy-position.js';

interface StanceCountShape {
  stance: Stance;
  count: number;
}

interface StanceMonthShape {
  month: string;
  counts: StanceCountShape[];
}

interface StanceSummaryShape {
  current: StanceCountShape[];
  history: StanceMonthShape[];
}

const StanceCountRef = builder.objectRef<StanceCountShape>('StanceCount').implement({
  description: 'How many positions hold one stance.',
  fields: (t) => ({
    stance: t.field({ type: StanceEnum, description: 'The stance.', resolve: (row) => row.stance }),
    count: t.exposeInt('count', { description: 'How many positions hold it.' }),
  }),
});

const StanceMonthRef = builder.objectRef<StanceMonthShape>('StanceMonth').implement({
  description: 'The positions on a topic that stood at the end of one month, counted by stance.',
  fields: (t) => ({
    month: t.exposeString('month', { description: 'The month, "YYYY-MM".' }),
    counts: t.field({ type: [StanceCountRef], description: 'Per stance (stances nobody held left out).', resolve: (row) => row.counts }),
  }),
});

const StanceSummaryRef = builder.objectRef<StanceSummaryShape>('StanceSummary').implement({
  description: 'Where the actors on a topic stand now, and how that changed month by month.',
  fields: (t) => ({
    current: t.field({
      type: [StanceCountRef],
      description: 'Current positions per stance (stances nobody holds left out).',
      resolve: (summary) => summary.current,
    }),
    history: t.field({
      type: [StanceMonthRef],
      description:
        'Month by month from the first dated position: what stood at the end of each month. A position counts from the month it was stated until the month a position superseding it was stated or it was retracted; undated positions are left out. Months where nothing stood are left out.',
      resolve: (summary) => summary.history,
    }),
  }),
});

function byMonth(rows: StanceMonthRow[]): StanceMonthShape[] {
  const months = new Map<string, StanceCountShape[]>();
  for (const row of rows) {
    let counts = months.get(row.month);
    if (!counts) months.set(row.month, (counts = []));
    counts.push({ stance: row.stance, count: row.count });
  }
  return [...months].map(([month, counts]) => ({
    month,
    counts: counts.sort((a, b) => STANCES.indexOf(a.stance) - STANCES.indexOf(b.stance)),
  }));
}

builder.objectField(PolicyTopicRef, 'stanceSummary', (t) =>
  t.loadable({
    type: StanceSummaryRef,
    description: 'Counts of positions per stance: now, and month by month (from stated dates and supersession).',
    load: async (ids: string[], context) => {
      const [current, history] = await Promise.all([
        currentStanceCounts(context.sql, ids),
        stanceHistoryOfTopics(context.sql, ids),
      ]);
      return ids.map((_, i) => ({
        current: (current[i] ?? []).map(({ stance, count }) => ({ stance, count })),
        history: byMonth(history[i] ?? []),
      }));
    },
    resolve: (row) => row.id,
  }),
);
