import type { Queryable } from '../db/index.js';
import { groupByParent } from './pagination.js';
import type { Stance } from './policy.js';

/** How many positions on a topic held one stance in one month. */
export interface StanceMonthRow {
  parent_id: string;
  month: string;
  stance: Stance;
  count: number;
}

/**
 * For each topic, month by month from its first dated position to its last change: how many positions
 * held each stance at the end of that month. A position counts from the month it was stated until the
 * month an unretracted position superseding it was stated, or the month it was retracted. Positions
 * without a stated date have no place in time and are left out (they still count among current ones).
 */
export async function stanceHistoryOfTopics(sql: Queryable, topicIds: readonly string[]): Promise<StanceMonthRow[][]> {
  const rows = await sql<StanceMonthRow[]>`
    with spans as (
      select p.topic_id, p.stance, date_trunc('month', p.stated_on)::date as from_month,
        least(
          (select min(date_trunc('month', n.stated_on))::date from policy_positions n
           where n.supersedes_id = p.id and n.retracted_at is null and n.stated_on is not null),
          date_trunc('month', p.retracted_at at time zone 'UTC')::date
        ) as until_month
      from policy_positions p
      where p.topic_id = any(${topicIds}) and p.stated_on is not null
    ),
    months as (
      select topic_id, generate_series(min(from_month), max(greatest(from_month, coalesce(until_month, from_month))),
        interval '1 month')::date as month
      from spans group by topic_id
    )
    select m.topic_id as parent_id, to_char(m.month, 'YYYY-MM') as month, s.stance, count(*)::int as count
    from months m
    join spans s on s.topic_id = m.topic_id and s.from_month <= m.month
      and (s.until_month is null or s.until_month > m.month)
    group by m.topic_id, m.month, s.stance
    order by m.topic_id, m.month, array_position(array['supports','opposes','conditional','neutral','unclear'], s.stance)
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
