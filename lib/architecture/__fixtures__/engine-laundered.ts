// … but a module outside the engine that takes the raw function from it is still caught at the call.
import { removeLink } from "./lib/engine/files";

export function unlinkScenario(path: string): void {
  removeLink(path);
}
