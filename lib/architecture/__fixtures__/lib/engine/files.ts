// The engine may re-export fs to itself (not reported by the policy) …
import { unlinkSync } from "node:fs";

export { unlinkSync as removeLink };
