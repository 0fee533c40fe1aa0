import { DATE_PRECISIONS, type DatePrecision } from '../../data/incidents.js';
import { builder } from '../builder.js';

/** A date known to some precision: stored as the first day of its period. */
export interface PartialDateShape {
  date: string | null;
  precision: DatePrecision;
}

/** How a partial date reads: "2025-12-14", "2025-12", "2026" or "unknown". */
export function displayPartialDate({ date, precision }: PartialDateShape): string {
  if (!date || precision === 'unknown') return 'unknown';
  if (precision === 'year') return date.slice(0, 4);
  if (precision === 'month') return date.slice(0, 7);
  return date;
}

export const DatePrecisionEnum = builder.enumType('DatePrecision', {
  description: 'How precisely the sources date something. Month and year dates are never invented to the day.',
  values: Object.fromEntries(
    DATE_PRECISIONS.map((value) => [value.toUpperCase(), { value, description: `Known to the ${value}.` }]),
  ) as Record<Uppercase<DatePrecision>, { value: DatePrecision; description: string }>,
});

export const PartialDateRef = builder.objectRef<PartialDateShape>('PartialDate').implement({
  description: 'A date with the precision the sources give it.',
  fields: (t) => ({
    date: t.expose('date', {
      type: 'Date',
      nullable: true,
      description: 'The first day of the period (for MONTH, the 1st of the month); null when UNKNOWN.',
    }),
    precision: t.field({ type: DatePrecisionEnum, description: 'DAY, MONTH, YEAR or UNKNOWN.', resolve: (d) => d.precision }),
    display: t.string({
      description: 'The date as precisely as it is known: "2025-12-14", "2025-12", "2026" or "unknown".',
      resolve: displayPartialDate,
    }),
  }),
});

/** A span of time known to one precision (an incident that ran from December to January). */
export interface DateRangeShape {
  start: string | null;
  end: string | null;
  precision: DatePrecision;
}

export const DateRangeRef = builder.objectRef<DateRangeShape>('DateRange').implement({
  description: 'When something happened: a start and optional end, both to the same precision.',
  fields: (t) => ({
    start: t.field({
      type: PartialDateRef,
      description: 'When it began.',
      resolve: (r) => ({ date: r.start, precision: r.precision }),
    }),
    end: t.field({
      type: PartialDateRef,
      nullable: true,
      description: 'When it ended; null for a single point in time.',
      resolve: (r) => (r.end ? { date: r.end, precision: r.precision } : null),
    }),
    precision: t.field({ type: DatePrecisionEnum, description: 'Precision of both ends.', resolve: (r) => r.precision }),
    display: t.string({
      description: 'The range as it reads: "2025-12 to 2026-01", or one date.',
      resolve: (r) => {
        const start = displayPartialDate({ date: r.start, precision: r.precision });
        if (!r.end || r.end === r.start) return start;
        return `${start} to ${displayPartialDate({ date: r.end, precision: r.precision })}`;
      },
    }),
  }),
});
