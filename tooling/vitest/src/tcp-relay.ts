import { connect, createServer, type Server, type Socket } from "node:net";

/** A TCP relay in front of a real server (PostgreSQL, Redis) that tests take down and bring back. */
export interface TcpRelay {
	/** The relay's port on 127.0.0.1. */
	port: number;
	/** Drops every open connection and refuses new ones, as while the server restarts. */
	goDown: () => Promise<void>;
	/** Accepts connections again on the same port. */
	comeBack: () => Promise<void>;
	close: () => Promise<void>;
}

export async function createTcpRelay(target: { host: string; port: number }): Promise<TcpRelay> {
	const sockets = new Set<Socket>();
	const server: Server = createServer((client) => {
		const upstream = connect(target.port, target.host);
		for (const socket of [client, upstream]) {
			sockets.add(socket);
			socket.on("close", () => sockets.delete(socket));
			socket.on("error", () => socket.destroy());
		}
		client.pipe(upstream).pipe(client);
		client.on("close", () => upstream.destroy());
		upstream.on("close", () => client.destroy());
	});
	const listen = (port: number) => new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
	await listen(0);
	const address = server.address();
	if (!address || typeof address === "string") throw new Error("the relay has no port");
	const port = address.port;
	let up = true;
	const stop = () =>
		new Promise<void>((resolve) => {
			up = false;
			for (const socket of sockets) socket.destroy();
			server.close(() => resolve());
		});
	return {
		port,
		goDown: stop,
		comeBack: async () => {
			await listen(port);
			up = true;
		},
		close: async () => {
			if (up) await stop();
		},
	};
}
