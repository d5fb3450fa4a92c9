import { describe, expect, it } from "vitest";
import { emergReason, reloadFailure } from "./logs";

// Reading nginx's error log for why a start or a reload failed (lines as nginx 1.22 writes them).

const line = (level: string, text: string) => `2026/12/04 14:00:00 [${level}] 123#123: ${text}`;

describe("nginx's failure reasons", () => {
  it("the last [emerg], without its time and pid", () => {
    const text = [line("notice", "reconfiguring"), line("emerg", 'host not found in upstream "x.invalid:80" in /e/conf.d/site-a.conf:3')].join("\n");
    expect(emergReason(text)).toBe('host not found in upstream "x.invalid:80" in /e/conf.d/site-a.conf:3');
    expect(emergReason(line("notice", "start worker processes"))).toBeNull();
  });

  it("a busy port is not a failed reload until nginx gives up binding it (5 tries, 500 ms apart)", () => {
    const bind = line("emerg", "bind() to 127.0.0.1:9000 failed (98: Address already in use)");
    expect(reloadFailure([line("notice", "reconfiguring"), bind, bind].join("\n"))).toBeNull();
    expect(reloadFailure([bind, bind, bind, bind, bind, line("emerg", "still could not bind()")].join("\n"))).toBe(
      "bind() to 127.0.0.1:9000 failed (98: Address already in use)",
    );
    expect(reloadFailure(line("emerg", 'unknown directive "oops" in /e/nginx.conf:4'))).toBe('unknown directive "oops" in /e/nginx.conf:4');
    expect(reloadFailure(line("notice", "reconfiguring"))).toBeNull();
  });
});
