import { exec } from "./star-reexport";

export function run(): void {
  exec("systemctl reload crowdsec");
}
