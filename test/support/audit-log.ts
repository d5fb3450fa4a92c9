// Lines of the edge's JSON audit log as ModSecurity v3 writes them (SecAuditLogFormat JSON, Serial:
// one object per line), for tests of the WAF events reader, the panel's feed and the Events page.

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const two = (n: number) => String(n).padStart(2, "0");

/** ModSecurity's time stamp: local time, second precision ("Fri Dec  4 13:40:56 2026"). */
export function auditTimeStamp(at: Date): string {
  const day = String(at.getDate()).padStart(2, " ");
  return `${DAYS[at.getDay()]} ${MONTHS[at.getMonth()]} ${day} ${two(at.getHours())}:${two(at.getMinutes())}:${two(at.getSeconds())} ${at.getFullYear()}`;
}

export interface AuditEntry {
  requestId: string;
  host?: string;
  client?: string;
  method?: string;
  uri?: string;
  /** Rule ids matched, each with the message "rule <id>" unless `messages` names it. */
  ruleIds?: number[];
  messages?: Record<number, string>;
  /** "Enabled" blocks when an anomaly verdict (949110) matched; "DetectionOnly" only logs. */
  engine?: "Enabled" | "DetectionOnly";
  status?: number;
  at?: Date;
}

/** One audit log line (with its newline). */
export function auditLine(e: AuditEntry): string {
  const ids = e.ruleIds ?? [941100, 941110, 949110];
  return `${JSON.stringify({
    transaction: {
      client_ip: e.client ?? "203.0.113.7",
      time_stamp: auditTimeStamp(e.at ?? new Date()),
      server_id: "6a4c0e2c3b1d4e5f",
      client_port: 51510,
      host_ip: "127.0.0.1",
      host_port: 8080,
      unique_id: e.requestId,
      request: {
        method: e.method ?? "GET",
        http_version: 1.1,
        uri: e.uri ?? "/?q=<script>alert(1)</script>",
        headers: { Host: e.host ?? "shop.example.com", "User-Agent": "curl/8.5.0", Accept: "*/*" },
      },
      response: { http_code: e.status ?? (e.engine === "DetectionOnly" ? 200 : 403), headers: { "Content-Type": "text/html" } },
      producer: {
        modsecurity: "ModSecurity v3.0.9 (Linux)",
        connector: "ModSecurity-nginx v1.0.3",
        secrules_engine: e.engine ?? "Enabled",
        components: ["OWASP_CRS/3.3.4"],
      },
      messages: ids.map((id) => ({
        message: e.messages?.[id] ?? `rule ${id}`,
        details: {
          match: "Matched Data: <script> found",
          reference: "o0,8",
          ruleId: String(id),
          file: "/usr/share/modsecurity-crs/rules/x.conf",
          severity: "2",
        },
      })),
    },
  })}\n`;
}
