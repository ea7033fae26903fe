import { ORPCError } from "@orpc/server";
import { mail } from "@proliferate/services";
import { z } from "zod";
import { publicProcedure } from "../orpc";

/** Development helpers, answered only while mail goes to the local outbox (no SMTP) outside production. */
export const devRouter = {
	outbox: publicProcedure
		.input(z.object({ to: z.string().max(320).optional() }).default({}))
		.handler(({ context, input }) => {
			if (context.web.mail.kind !== "outbox" || context.web.env.NODE_ENV === "production")
				throw new ORPCError("NOT_FOUND", {
					message: "The local outbox is off (SMTP is configured or in production)",
				});
			return mail.listOutbox(context.web.services, input.to ? { to: input.to } : {});
		}),
};
