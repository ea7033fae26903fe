// A hostile WebSocket client over a raw TCP socket, with no dependencies so it runs on the host and,
// copied in, inside a sandbox. Usage:
//   node raw-attack.mjs <base http url> <path with query> <ready|none> <maxFrameBytes> <floodFrames> <case>...
// For each case: handshake, (wait for a text frame containing `"kind":"ready"`), send the attack,
// then report one JSON line: the HTTP status, the close code and reason, the first text frames.
import { randomBytes } from "node:crypto";
import { connect } from "node:net";

const [base, path, waitMode, maxFrameText, floodText, ...cases] = process.argv.slice(2);
const target = new URL(base ?? "http://127.0.0.1");
const maxFrameBytes = Number(maxFrameText);
const floodFrames = Number(floodText);

function frame(opcode, payload, mask = true) {
	const length = payload.length;
	const maskBit = mask ? 0x80 : 0;
	let header;
	if (length < 126) header = Buffer.from([0x80 | opcode, maskBit | length]);
	else if (length < 65536) {
		header = Buffer.alloc(4);
		header[0] = 0x80 | opcode;
		header[1] = maskBit | 126;
		header.writeUInt16BE(length, 2);
	} else {
		header = Buffer.alloc(10);
		header[0] = 0x80 | opcode;
		header[1] = maskBit | 127;
		header.writeBigUInt64BE(BigInt(length), 2);
	}
	if (!mask) return Buffer.concat([header, payload]);
	const key = randomBytes(4);
	const masked = Buffer.from(payload);
	for (let index = 0; index < masked.length; index++) masked[index] ^= key[index % 4];
	return Buffer.concat([header, key, masked]);
}

const attacks = {
	// 14 bytes: FIN + binary, masked, 64-bit length announcing 17 MiB, the mask key; no payload follows.
	"announced-17mib": () => {
		const header = Buffer.alloc(14);
		header[0] = 0x82;
		header[1] = 0x80 | 127;
		header.writeBigUInt64BE(BigInt(17 * 1024 * 1024), 2);
		randomBytes(4).copy(header, 10);
		return header;
	},
	"invalid-utf8": () => frame(0x1, Buffer.from([0x7b, 0xc3, 0x28, 0xff, 0xfe, 0x7d])),
	unmasked: () => frame(0x1, Buffer.from('{"type":"ping"}'), false),
	"reserved-opcode": () => frame(0x3, Buffer.from("x")),
	oversized: () => frame(0x1, Buffer.alloc(maxFrameBytes + 1, 0x20)),
	flood: () =>
		Buffer.concat(Array.from({ length: floodFrames }, () => frame(0x1, Buffer.from('{"type":"ping"}')))),
};

/** Parses the server's (unmasked) frames out of `buffer`; returns them and the bytes left over. */
function parseFrames(buffer) {
	const frames = [];
	let offset = 0;
	while (buffer.length - offset >= 2) {
		const opcode = buffer[offset] & 0x0f;
		let length = buffer[offset + 1] & 0x7f;
		let start = offset + 2;
		if (length === 126) {
			if (buffer.length - offset < 4) break;
			length = buffer.readUInt16BE(offset + 2);
			start = offset + 4;
		} else if (length === 127) {
			if (buffer.length - offset < 10) break;
			length = Number(buffer.readBigUInt64BE(offset + 2));
			start = offset + 10;
		}
		if (buffer.length < start + length) break;
		frames.push({ opcode, payload: buffer.subarray(start, start + length) });
		offset = start + length;
	}
	return { frames, rest: buffer.subarray(offset) };
}

function runCase(name) {
	return new Promise((resolve) => {
		const attack = attacks[name];
		const result = {
			case: name,
			outcome: "timeout",
			status: 0,
			closeCode: null,
			closeReason: "",
			texts: [],
			errorCodes: [],
		};
		const socket = connect(Number(target.port || 80), target.hostname);
		let received = Buffer.alloc(0);
		let upgraded = false;
		let attacked = false;
		const finish = (outcome) => {
			if (result.outcome !== "timeout" || outcome === "timeout") return;
			result.outcome = outcome;
			clearTimeout(timer);
			socket.destroy();
			resolve(result);
		};
		const timer = setTimeout(() => {
			socket.destroy();
			resolve(result);
		}, 15_000);
		const fire = () => {
			if (attacked) return;
			attacked = true;
			socket.write(attack());
		};
		socket.on("connect", () => {
			socket.write(
				`GET ${path} HTTP/1.1\r\nHost: ${target.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString("base64")}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
			);
		});
		socket.on("data", (chunk) => {
			received = Buffer.concat([received, chunk]);
			if (!upgraded) {
				const end = received.indexOf("\r\n\r\n");
				if (end < 0) return;
				result.status = Number(received.subarray(0, end).toString().split(" ")[1]);
				received = received.subarray(end + 4);
				if (result.status !== 101) return finish("refused");
				upgraded = true;
				if (waitMode !== "ready") fire();
			}
			const { frames, rest } = parseFrames(received);
			received = rest;
			for (const { opcode, payload } of frames) {
				if (opcode === 0x1) {
					const text = payload.toString();
					if (result.texts.length < 3) result.texts.push(text.slice(0, 300));
					const code = /"code":"([A-Z_]+)"/.exec(text)?.[1];
					if (code && /"(kind|type)":"error"/.test(text) && result.errorCodes.length < 5)
						result.errorCodes.push(code);
					if (text.includes('"kind":"ready"')) fire();
				}
				if (opcode === 0x8) {
					result.closeCode = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
					result.closeReason = payload.subarray(2).toString();
					try {
						socket.write(frame(0x8, payload.subarray(0, 2)));
					} catch {}
					socket.end();
				}
			}
		});
		socket.on("error", (error) => {
			result.error = error.code ?? error.message;
		});
		socket.on("close", () => finish(result.status === 101 ? "closed" : result.status ? "refused" : "error"));
	});
}

for (const name of cases) {
	const result = await runCase(name);
	process.stdout.write(`${JSON.stringify(result)}\n`);
}
