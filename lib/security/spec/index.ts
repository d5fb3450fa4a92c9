// The protection field spec and what is derived from it, as one import for the browser (components
// may import this folder's values; everything here is plain data and pure functions).

export * from "./columns";
export * from "./defaults";
export * from "./field-errors";
export type * from "./field-spec";
export * from "./form-fields";
export * from "./labels";
export * from "./lapi-url";
export * from "./mirror-keys";
export * from "./protections";
export * from "./schemas";
