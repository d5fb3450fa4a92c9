// The reference of `npm run bench:edge`'s throughput figure: a bare proxy hop (the same nginx binary,
// one worker, proxy_pass with upstream keep-alive, no access log, no ModSecurity module, none of the
// edge's headers or maps), measured in the same run, so that the edge's ratio can be read against
// what any proxy hop costs on this machine under the load of the moment.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import http from "node:http";
import { join } from "node:path";

export interface BareProxy {
  port: number;
  child: ChildProcess;
  close(): Promise<void>;
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ host: "127.0.0.1", port, path: "/", agent: false, timeout: 500 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on("error", () => resolve(false));
    req.on("timeout", () => req.destroy());
  });
}

export async function startBareProxy(dir: string, port: number, upstreamPort: number): Promise<BareProxy> {
  mkdirSync(join(dir, "logs"), { recursive: true });
  const user = process.getuid?.() === 0 ? "user nobody nogroup;\n" : "";
  const temps = ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map((d) => `    ${d}_temp_path tmp/${d};\n`).join("");
  mkdirSync(join(dir, "tmp"), { recursive: true });
  writeFileSync(
    join(dir, "nginx.conf"),
    `worker_processes 1;
${user}error_log logs/error.log notice;
pid nginx.pid;
events { worker_connections 1024; }
http {
    access_log off;
${temps}    upstream up { server 127.0.0.1:${upstreamPort}; keepalive 16; }
    server {
        listen 127.0.0.1:${port};
        location / {
            proxy_pass http://up;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
    }
}
`,
  );
  const child = spawn("/usr/sbin/nginx", ["-p", dir, "-c", join(dir, "nginx.conf"), "-e", "logs/error.log", "-g", "daemon off;"], {
    stdio: "ignore",
  });
  const exited = new Promise<never>((_, reject) => child.once("exit", (code) => reject(new Error(`the bare nginx exited with ${code}`))));
  exited.catch(() => undefined);
  try {
    const deadline = performance.now() + 10_000;
    while (!(await Promise.race([answers(port), exited]))) {
      if (performance.now() > deadline) throw new Error("the bare nginx did not answer within 10 s");
      await new Promise((r) => setTimeout(r, 20));
    }
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  }
  return {
    port,
    child,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGQUIT");
      }),
  };
}
