"use client";

import { useAlerts } from "../hooks/use-decisions";
import { useStaleReport } from "../ui/stale-notice";
import { RelativeTime } from "../ui/relative-time";

// Recent alerts from LAPI: the scenario, the source (address or range, with its country and AS when
// LAPI knows them), how many events, when, and the decisions each caused.

export function AlertsSection() {
  const alerts = useAlerts(true);
  useStaleReport("alerts", "alerts", alerts);
  const data = alerts.data;
  if (!data) {
    return alerts.isError ? (
      <p role="alert" className="text-sm text-red-700 dark:text-red-400">
        Could not load the alerts: {alerts.error.message}
      </p>
    ) : (
      <p className="text-sm text-slate-500 dark:text-slate-400">Loading alerts…</p>
    );
  }
  if (!data.available) {
    return (
      <p data-testid="alerts-unavailable" className="rounded-md border border-slate-300 bg-slate-50 px-3 py-2 text-sm dark:border-slate-700 dark:bg-slate-900">
        Alerts are unavailable: {data.reason ?? "the panel cannot read them from CrowdSec"}.
      </p>
    );
  }
  if (data.alerts.length === 0) return <p className="text-sm text-slate-600 dark:text-slate-300">No recent alerts.</p>;
  return (
    <div className="relative overflow-x-auto">
      <table className="w-full min-w-[44rem] text-left text-sm" data-testid="alerts-table">
        <thead className="text-xs uppercase text-slate-500 dark:text-slate-400">
          <tr>
            <th className="py-2 pr-3">Time</th>
            <th className="py-2 pr-3">Scenario</th>
            <th className="py-2 pr-3">Source</th>
            <th className="py-2 pr-3">Events</th>
            <th className="py-2">Decisions</th>
          </tr>
        </thead>
        <tbody>
          {data.alerts.map((alert) => (
            <tr key={alert.id} data-testid="alert-row" className="border-t border-slate-200 align-top dark:border-slate-800">
              <td className="py-2 pr-3 whitespace-nowrap">
                <RelativeTime iso={alert.createdAt} />
              </td>
              <td className="py-2 pr-3 text-xs break-words">{alert.scenario}</td>
              <td className="py-2 pr-3">
                <div className="font-mono text-xs break-all">{alert.source.value}</div>
                {(alert.source.country || alert.source.as) && (
                  <div className="text-xs text-slate-500 dark:text-slate-400">{[alert.source.country, alert.source.as].filter(Boolean).join(" · ")}</div>
                )}
              </td>
              <td className="py-2 pr-3 tabular-nums">{alert.eventsCount.toLocaleString("en-US")}</td>
              <td className="py-2 text-xs">
                {alert.decisions.length === 0 ? (
                  <span className="text-slate-500 dark:text-slate-400">none</span>
                ) : (
                  <ul>
                    {alert.decisions.map((d) => (
                      <li key={d.id}>
                        <span className="font-mono">{d.value}</span> {d.type} for {d.duration}
                      </li>
                    ))}
                  </ul>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
