import { ORPCError } from "@orpc/server";
import { admin, audit, outbox } from "@proliferate/services";
import { z } from "zod";
import { protectedProcedure, superAdminProcedure } from "../orpc";

const listInput = z.object({ search: z.string().trim().max(100).optional() }).default({});

export const adminRouter = {
	users: superAdminProcedure
		.input(listInput)
		.handler(({ context, input }) =>
			admin.listUsers(context.web.services, input.search ? { search: input.search } : {}),
		),

	organizations: superAdminProcedure
		.input(listInput)
		.handler(({ context, input }) =>
			admin.listOrganizations(context.web.services, input.search ? { search: input.search } : {}),
		),

	auditEvents: superAdminProcedure
		.input(z.object({ action: z.string().max(100).optional() }).default({}))
		.handler(({ context, input }) =>
			audit.listAuditEventsUnscoped(context.web.services, input.action ? { action: input.action } : {}),
		),

	/** The background half at a glance: outbox backlog and failures, queue depths and failed jobs. */
	operations: superAdminProcedure.handler(async ({ context }) => {
		const services = context.web.services;
		const [outboxStats, failedRows] = await Promise.all([
			outbox.stats(services),
			outbox.listFailed(services, 20),
		]);
		const queues = context.web.queues();
		let queueView: {
			depths: Awaited<ReturnType<NonNullable<typeof queues>["depths"]>>;
			failedJobs: Awaited<ReturnType<NonNullable<typeof queues>["failedJobs"]>>;
		} | null = null;
		let queuesUnavailable: string | null = queues ? null : "REDIS_URL is not set for the web app";
		if (queues) {
			try {
				const [depths, failedJobs] = await Promise.all([queues.depths(), queues.failedJobs(20)]);
				queueView = { depths, failedJobs };
			} catch (error) {
				context.web.logger.warn({ err: error }, "operations view: queues unavailable");
				queuesUnavailable = "Redis is not reachable";
			}
		}
		return {
			outbox: outboxStats,
			failedOutboxRows: failedRows.map((row) => ({
				...row,
				createdAt: row.createdAt.toISOString(),
				availableAt: row.availableAt.toISOString(),
				dispatchedAt: row.dispatchedAt?.toISOString() ?? null,
			})),
			queues: queueView,
			queuesUnavailable,
		};
	}),

	retryOutboxRow: superAdminProcedure
		.input(z.object({ id: z.uuid() }))
		.handler(({ context, input }) => outbox.retryFailed(context.web.services, input.id)),

	retryJob: superAdminProcedure
		.input(z.object({ queue: z.string().min(1).max(100), jobId: z.string().min(1).max(200) }))
		.handler(async ({ context, input }) => {
			const queues = context.web.queues();
			if (!queues)
				throw new ORPCError("PRECONDITION_FAILED", { message: "REDIS_URL is not set for the web app" });
			await queues.retry(input.queue, input.jobId);
		}),

	impersonate: superAdminProcedure
		.input(z.object({ userId: z.string().min(1).max(100), reason: z.string().trim().max(200).optional() }))
		.handler(async ({ context, input }) => {
			if (!context.viewer.sessionId)
				throw new ORPCError("BAD_REQUEST", { message: "Impersonation needs a browser session" });
			return admin.startImpersonation(context.web.services, {
				adminUserId: context.viewer.user.id,
				sessionId: context.viewer.sessionId,
				targetUserId: input.userId,
				...(input.reason ? { reason: input.reason } : {}),
			});
		}),

	/** Ends impersonation; callable while impersonating (the acting user is the impersonated one). */
	stopImpersonating: protectedProcedure.handler(async ({ context }) => {
		const impersonation = context.viewer.impersonation;
		if (!impersonation || !context.viewer.sessionId)
			throw new ORPCError("BAD_REQUEST", { message: "You are not impersonating anyone" });
		await admin.stopImpersonation(context.web.services, {
			adminUserId: impersonation.admin.id,
			sessionId: context.viewer.sessionId,
			impersonationId: impersonation.id,
		});
	}),
};
