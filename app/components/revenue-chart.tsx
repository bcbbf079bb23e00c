import { useId } from "react";

// P-10: a server-rendered SVG bar chart (no script needed), with the same figures in a table
// for screen readers and for reading exact amounts.
export interface ChartSeries {
  key: string;
  label: string;
  color: string;
}

export function RevenueChart({
  title,
  months,
  series,
  values,
  format,
  monthLabel,
  monthHeader,
}: {
  title: string;
  monthHeader: string;
  months: string[];
  series: ChartSeries[];
  /** values[series.key][i] for months[i], in minor units. */
  values: Record<string, number[]>;
  format: (amount: number) => string;
  monthLabel: (month: string) => string;
}) {
  const id = useId();
  const width = 720;
  const height = 240;
  const pad = { top: 16, right: 8, bottom: 36, left: 8 };
  const max = Math.max(1, ...series.flatMap((s) => values[s.key] ?? []));
  const slot = (width - pad.left - pad.right) / Math.max(1, months.length);
  const bar = Math.max(2, (slot - 8) / series.length);
  const plot = height - pad.top - pad.bottom;
  return (
    <figure className="chart" data-testid="revenue-chart">
      <svg viewBox={`0 0 ${width} ${height}`} width="100%" role="img" aria-labelledby={`${id}-title`} focusable="false">
        <title id={`${id}-title`}>{title}</title>
        <line x1={pad.left} x2={width - pad.right} y1={height - pad.bottom} y2={height - pad.bottom} stroke="#888" />
        {months.map((m, i) => (
          <g key={m} transform={`translate(${pad.left + i * slot + 4}, 0)`}>
            {series.map((s, j) => {
              const v = values[s.key]?.[i] ?? 0;
              const h = Math.round((v / max) * plot);
              return (
                <rect key={s.key} x={j * bar} y={height - pad.bottom - h} width={bar - 1} height={h} fill={s.color}>
                  <title>{`${monthLabel(m)} · ${s.label}: ${format(v)}`}</title>
                </rect>
              );
            })}
            <text x={(slot - 8) / 2} y={height - pad.bottom + 16} textAnchor="middle" fontSize="11" fill="currentColor">
              {monthLabel(m)}
            </text>
          </g>
        ))}
      </svg>
      <figcaption>
        <ul className="legend" aria-hidden="true">
          {series.map((s) => (
            <li key={s.key}>
              <svg width="12" height="12" aria-hidden="true">
                <rect width="12" height="12" fill={s.color} />
              </svg>{" "}
              {s.label}
            </li>
          ))}
        </ul>
      </figcaption>
      <table data-testid="revenue-table">
        <caption>{title}</caption>
        <thead>
          <tr>
            <th scope="col">{monthHeader}</th>
            {series.map((s) => (
              <th scope="col" key={s.key}>
                {s.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {months.map((m, i) => (
            <tr key={m}>
              <th scope="row">{monthLabel(m)}</th>
              {series.map((s) => (
                <td key={s.key}>{format(values[s.key]?.[i] ?? 0)}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
