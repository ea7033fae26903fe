import { createServer } from "node:http";
import { greet } from "./greet.js";

const port = Number(process.env.PORT || 3000);

createServer((request, response) => {
	const url = new URL(request.url ?? "/", "http://localhost");
	const name = url.searchParams.get("name") || "world";
	response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
	response.end(`<!doctype html><title>Demo app</title><h1>${greet(name).replace(/</g, "&lt;")}</h1>`);
}).listen(port, "0.0.0.0", () => {
	console.log(`demo app listening on http://localhost:${port}`);
});
