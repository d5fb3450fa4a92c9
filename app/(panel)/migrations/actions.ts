export * from "@/lib/actions/migrations"; // the use cases live in lib/actions/migrations (one per file)
