import type { Queryable } from '../db/index.js';
import { groupByParent } from './pagination.js';
import type { Stance } from './policy.js';

/** How many actors on a topic held one stance in one month. */
export interface StanceMonthRow {
  parent_id: string;
  month: string;
  stance: Stance;
  count: number;
}

/**
 * For each topic, month by month from its first dated position to its last: how many actors held each
 * stance as of the end of that month. Each actor counts once, with its latest stance stated by then (ties
 * by recording order), the same rule that makes a position current. Retracted positions and remarks that
 * do not change a stance are left out; so are positions without a stated date, which have no place in
 * time (they still count among current ones when nothing dated follows them).
 */
export async function stanceHistoryOfTopics(sql: Queryable, topicIds: readonly string[]): Promise<StanceMonthRow[][]> {
  const rows = await sql<StanceMonthRow[]>`
    with dated as (
      select p.id, p.topic_id, p.actor_id, p.stance, p.stated_sort, date_trunc('month', p.stated_on)::date as from_month
      from policy_positions p
      where p.topic_id = any(${topicIds}) and p.stated_on is not null and p.retracted_at is null and p.changes_stance
    ),
    months as (
      select topic_id, generate_series(min(from_month), max(from_month), interval '1 month')::date as month
      from dated group by topic_id
    ),
    held as (
      select distinct on (m.topic_id, m.month, d.actor_id) m.topic_id, m.month, d.stance
      from months m join dated d on d.topic_id = m.topic_id and d.from_month <= m.month
      order by m.topic_id, m.month, d.actor_id, d.stated_sort desc, d.id desc
    )
    select h.topic_id as parent_id, to_char(h.month, 'YYYY-MM') as month, h.stance, count(*)::int as count
    from held h
    group by h.topic_id, h.month, h.stance
    order by h.topic_id, h.month, array_position(array['supports','opposes','conditional','neutral','unclear'], h.stance)
  `;
  return groupByParent(topicIds, rows);
}

/** How many current positions on each topic hold each stance (stances nobody holds left out). */
export async function currentStanceCounts(
  sql: Queryable,
  topicIds: readonly string[],
): Promise<{ parent_id: string; stance: Stance; count: number }[][]> {
  const rows = await sql<{ parent_id: string; stance: Stance; count: number }[]>`
    select p.topic_id as parent_id, p.stance, count(*)::int as count
    from current_policy_positions p
    where p.topic_id = any(${topicIds})
    group by p.topic_id, p.stance
    order by p.topic_id, array_position(array['supports','opposes','conditional','neutral','unclear'], p.stance)
  `;
  return groupByParent(topicIds, rows);
}
