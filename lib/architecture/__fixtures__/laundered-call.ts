import { save } from "@/lib/util/fsx";
import * as fsx from "./lib/util/fsx";

export function persist(path: string): void {
  save(path, "x");
  fsx.cp.spawn("crowdsec");
}
