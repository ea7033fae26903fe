import { ORPCError } from "@orpc/server";
import { mail } from "@proliferate/services";
import { z } from "zod";
import { outboxVisible } from "../context";
import { publicProcedure } from "../orpc";

/** Development helpers: the local outbox, only while no SMTP is configured and DEV_OUTBOX_ENABLED is set. */
export const devRouter = {
	outbox: publicProcedure
		.input(z.object({ to: z.string().max(320).optional() }).default({}))
		.handler(({ context, input }) => {
			if (!outboxVisible(context.web))
				throw new ORPCError("NOT_FOUND", {
					message: "The local outbox is off (SMTP_URL is set or DEV_OUTBOX_ENABLED is not)",
				});
			return mail.listOutbox(context.web.services, input.to ? { to: input.to } : {});
		}),
};
