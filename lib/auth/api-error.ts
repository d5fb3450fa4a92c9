/**
 * better-auth's APIError, recognised by shape: in a Next.js bundle the class a caller imports and the
 * one the library throws can be two copies, so `instanceof` is not reliable.
 */
export function isAuthApiError(error: unknown): error is Error & { statusCode: number; status: string } {
  return error instanceof Error && error.name === "APIError" && typeof (error as { statusCode?: unknown }).statusCode === "number";
}
