export { excludeRuleAction } from "@/lib/actions/sites"; // "Exclude this rule for this site" is a sites use case (lib/actions/sites/exclusions.ts)
