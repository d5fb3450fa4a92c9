export * from "@/lib/actions/sites"; // the use cases live in lib/actions/sites (one file per area of change)
