import type { Standing, StandingRow, TeamStanding } from "~/modules/gaps/team-standing.server";
import { decimal } from "~/lib/format";

const STANDING_TEXT: Record<Standing, string> = {
  above: "Above most of the team",
  with: "With most of the team",
  below: "Below most of the team",
};

function againstTarget(row: StandingRow) {
  if (row.target === null) return "No target";
  if (row.level >= row.target) return "Meets target";
  return `${decimal(row.target - row.level)} below target`;
}

function StandingTable({
  rows,
  floor,
  caption,
  label,
}: {
  rows: StandingRow[];
  floor: number;
  caption: string;
  label: string;
}) {
  return (
    <div className="table-wrap">
      <table>
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{label}</th>
            <th scope="col">You</th>
            <th scope="col">Against your target</th>
            <th scope="col">Against the team</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.id}>
              <th scope="row">{row.name}</th>
              <td>{decimal(row.level)}</td>
              <td>{againstTarget(row)}</td>
              <td>
                {row.standing ? (
                  STANDING_TEXT[row.standing]
                ) : (
                  <span className="muted">Withheld: fewer than {floor} others rated</span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The engineer's anonymous team picture: where they stand, never who else stands where. */
export function TeamStandingPanel({ teams }: { teams: TeamStanding[] }) {
  return (
    <>
      {teams.map((team) => (
        <section className="card" key={team.teamId} aria-labelledby={`standing-${team.teamId}`}>
          <h2 id={`standing-${team.teamId}`}>Where you stand in {team.teamName}</h2>
          <p className="muted">
            Against the levels of the rest of the team, without naming anyone; shown where at least{" "}
            {team.floor} others rated, so no one&apos;s level can be worked out.
          </p>
          <StandingTable
            rows={team.categories}
            floor={team.floor}
            caption="Per category (your average over the topics you rated)"
            label="Category"
          />
          {team.mustHaves.length ? (
            <StandingTable
              rows={team.mustHaves}
              floor={team.floor}
              caption="Your must-have topics"
              label="Topic"
            />
          ) : null}
        </section>
      ))}
    </>
  );
}
