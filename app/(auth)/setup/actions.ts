export { setupAction } from "@/lib/actions/auth/setup"; // the use case lives in lib/actions/auth/setup.ts
