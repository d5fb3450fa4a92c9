export * from "@/lib/actions/security"; // the use cases live in lib/actions/security (one per file)
