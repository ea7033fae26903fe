"use client";

import { type ConnectionState, createSyncClient, type SessionStream } from "@proliferate/gateway-clients";
import { useEffect, useReducer, useRef, useState } from "react";
import { applyEvent, emptyTranscript, markEnvSubmitted, type TranscriptState } from "./transcript";

export interface StreamCredentials {
	token: string;
	gatewayUrl: string;
}

type Action =
	| { type: "event"; event: Parameters<typeof applyEvent>[1] }
	| { type: "envSubmitted"; requestId: string }
	| { type: "reset" };

function reducer(state: TranscriptState, action: Action): TranscriptState {
	switch (action.type) {
		case "event":
			return applyEvent(state, action.event);
		case "envSubmitted":
			return markEnvSubmitted(state, action.requestId);
		case "reset":
			return emptyTranscript;
	}
}

/**
 * Streams one session from the gateway through `@proliferate/gateway-clients`: replays from the
 * start on mount (so a reload rebuilds the whole conversation), then follows live events; the
 * client reconnects with the last seq it saw. `getCredentials` is asked for a fresh short-lived
 * token before every (re)connect.
 */
export function useSessionStream(
	sessionId: string,
	getCredentials: () => Promise<StreamCredentials>,
): {
	transcript: TranscriptState;
	stream: SessionStream | null;
	connection: ConnectionState;
	connectionDetail: string | undefined;
	streamError: { code: string; message: string } | null;
	markEnvSubmitted: (requestId: string) => void;
} {
	const [transcript, dispatch] = useReducer(reducer, emptyTranscript);
	const [stream, setStream] = useState<SessionStream | null>(null);
	const [connection, setConnection] = useState<ConnectionState>("connecting");
	const [connectionDetail, setConnectionDetail] = useState<string | undefined>();
	const [streamError, setStreamError] = useState<{ code: string; message: string } | null>(null);
	const credentialsRef = useRef(getCredentials);
	credentialsRef.current = getCredentials;

	useEffect(() => {
		let cancelled = false;
		let active: SessionStream | null = null;
		dispatch({ type: "reset" });
		void (async () => {
			try {
				const first = await credentialsRef.current();
				if (cancelled) return;
				let firstToken: string | null = first.token;
				const client = createSyncClient({
					baseUrl: first.gatewayUrl,
					source: "web",
					auth: {
						type: "token",
						token: async () => {
							if (firstToken) {
								const token = firstToken;
								firstToken = null;
								return token;
							}
							return (await credentialsRef.current()).token;
						},
					},
				});
				active = client.connect(sessionId, {
					after: 0,
					onEvent: (event) => dispatch({ type: "event", event }),
					onState: (state, detail) => {
						setConnection(state);
						setConnectionDetail(detail);
					},
					onError: (error) => setStreamError(error),
				});
				setStream(active);
			} catch (error) {
				if (!cancelled) {
					setConnection("closed");
					setStreamError({
						code: "TOKEN_FAILED",
						message: error instanceof Error ? error.message : "Could not get a session token",
					});
				}
			}
		})();
		return () => {
			cancelled = true;
			active?.close();
			setStream(null);
		};
	}, [sessionId]);

	return {
		transcript,
		stream,
		connection,
		connectionDetail,
		streamError,
		markEnvSubmitted: (requestId) => dispatch({ type: "envSubmitted", requestId }),
	};
}
