import type { ReactNode } from "react";
import { relativeAge } from "~/lib/relative-age";
import type { ProfileCategory, ProfileTopic } from "~/modules/assessments/member-profile.server";
import { PRIORITY_LABEL } from "~/modules/frameworks/priorities";

function level(value: number | null | undefined) {
  return value === undefined ? "—" : value === null ? "N/A" : String(value);
}

/** How far the level that counts (member_levels) is below the target. */
function shortfall(topic: ProfileTopic) {
  if (topic.level === undefined || topic.level === null || topic.target === null) return 0;
  return Math.max(0, topic.target - topic.level);
}

/** Every topic of a member's profile, grouped by category; rows are anchored `topic-<id>`. */
export function ProfileTopicTable({
  categories,
  topics,
  now,
  gapAction,
}: {
  categories: ProfileCategory[];
  topics: ProfileTopic[];
  now: string;
  /** Shown beside a topic below target (the lead's "find a mentor"). */
  gapAction?: (topicId: string) => ReactNode;
}) {
  return (
    <div className="table-wrap">
      <table>
        <caption className="visually-hidden">Current level per topic</caption>
        <thead>
          <tr>
            <th scope="col">Topic</th>
            <th scope="col">Self</th>
            <th scope="col">Lead (validated)</th>
            <th scope="col">Target</th>
            <th scope="col">Priority</th>
            <th scope="col">Self rating confirmed</th>
          </tr>
        </thead>
        {categories.map((c) => (
          <tbody key={c.id}>
            <tr>
              <th scope="colgroup" colSpan={6} className="group-row">
                {c.name}
              </th>
            </tr>
            {topics
              .filter((t) => t.categoryId === c.id)
              .map((t) => {
                const short = shortfall(t);
                return (
                  <tr key={t.id} id={`topic-${t.id}`} className="anchored-row">
                    <th scope="row">{t.name}</th>
                    <td>{level(t.self)}</td>
                    <td>
                      {level(t.lead?.level)}
                      {t.lead?.comment ? (
                        <div className="muted lead-comment">“{t.lead.comment}”</div>
                      ) : null}
                    </td>
                    <td>
                      {level(t.target)}
                      {short > 0 ? (
                        <>
                          <span className="badge warning">{short} below</span> {gapAction?.(t.id)}
                        </>
                      ) : null}
                    </td>
                    <td>{t.priority ? PRIORITY_LABEL[t.priority] : "—"}</td>
                    <td>
                      {t.selfRatedAt ? relativeAge(t.selfRatedAt, now) : "not rated"}
                      {t.stale ? <span className="badge warning">Stale</span> : null}
                    </td>
                  </tr>
                );
              })}
          </tbody>
        ))}
      </table>
    </div>
  );
}
