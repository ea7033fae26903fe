/** A message fit to show a person, from anything an oRPC call or better-auth throws. */
export function errorMessage(error: unknown): string {
	if (
		error &&
		typeof error === "object" &&
		"message" in error &&
		typeof error.message === "string" &&
		error.message
	)
		return error.message;
	return "Something went wrong";
}
