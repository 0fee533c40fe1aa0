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
  // Each actor's stance per month it stated one (its last of that month), held until the next such month:
  // an actor's spans never overlap, so counting spans per month counts actors.
  const rows = await sql<StanceMonthRow[]>`
    with dated as (
      select distinct on (p.topic_id, p.actor_id, date_trunc('month', p.stated_on))
        p.topic_id, p.actor_id, p.stance, date_trunc('month', p.stated_on)::date as from_month
      from policy_positions p
      where p.topic_id = any(${topicIds}) and p.stated_on is not null and p.retracted_at is null and p.changes_stance
      order by p.topic_id, p.actor_id, date_trunc('month', p.stated_on), p.stated_sort desc, p.id desc
    ),
    spans as (
      select topic_id, stance, from_month,
        lead(from_month) over (partition by topic_id, actor_id order by from_month) as until_month
      from dated
    ),
    months as (
      select topic_id, generate_series(min(from_month), max(from_month), interval '1 month')::date as month
      from spans group by topic_id
    )
    select m.topic_id as parent_id, to_char(m.month, 'YYYY-MM') as month, s.stance, count(*)::int as count
    from months m
    join spans s on s.topic_id = m.topic_id and s.from_month <= m.month and (s.until_month is null or s.until_month > m.month)
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
