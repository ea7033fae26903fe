/** Returns the greeting shown on the home page. */
export function greet(name) {
	return `Hello, ${name}!`;
}

/** Returns a farewell. */
export function farewell(name) {
	return `Goodbye, ${name}.`;
}
