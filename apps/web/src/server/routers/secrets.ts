import { secrets } from "@proliferate/services";
import { z } from "zod";
import { orgProcedure } from "../orpc";
import { orpcScope } from "../orpc-scope";
import { requireSecretsManager, secretKeyring } from "../secrets";

const id = z.uuid();
const scopeSchema = z.discriminatedUnion("kind", [
	z.object({ kind: z.literal("organization") }),
	z.object({ kind: z.literal("repository"), repoId: id }),
	z.object({ kind: z.literal("bundle"), bundleId: id }),
]);
const key = z.string().trim().min(1).max(secrets.SECRET_KEY_MAX_LENGTH);
// Checked again (in bytes) by the service; this bound only stops absurd bodies early.
const value = z.string().max(secrets.SECRET_VALUE_MAX_BYTES);
const description = z.string().max(500);
const envFile = z.string().max(secrets.ENV_IMPORT_MAX_BYTES + 1024);

/** Organization secrets and bundles. Reads: any member (keys only). Changes: owners and admins. */
export const secretsRouter = {
	list: orgProcedure
		.input(z.object({ scope: scopeSchema.optional() }).optional())
		.handler(({ context, input }) =>
			secrets.listSecrets(context.web.services, {
				...orpcScope(context),
				...(input?.scope ? { scope: input.scope } : {}),
			}),
		),

	create: orgProcedure
		.input(z.object({ scope: scopeSchema, key, value, description: description.optional() }))
		.handler(({ context, input }) => {
			requireSecretsManager(context.role);
			return secrets.createSecret(
				context.web.services,
				{ ...orpcScope(context), ...input, userId: context.viewer.user.id },
				secretKeyring(context.web.env),
			);
		}),

	update: orgProcedure
		.input(z.object({ secretId: id, value: value.optional(), description: description.optional() }))
		.handler(({ context, input }) => {
			requireSecretsManager(context.role);
			return secrets.updateSecret(
				context.web.services,
				{ ...orpcScope(context), ...input, userId: context.viewer.user.id },
				secretKeyring(context.web.env),
			);
		}),

	delete: orgProcedure.input(z.object({ secretId: id })).handler(async ({ context, input }) => {
		requireSecretsManager(context.role);
		await secrets.deleteSecret(context.web.services, { ...orpcScope(context), secretId: input.secretId });
		return { deleted: true };
	}),

	/** Saves values typed into a session's request for environment variables as secrets (one transaction). */
	saveMany: orgProcedure
		.input(
			z.object({
				scope: scopeSchema,
				values: z.record(key, value).refine((values) => Object.keys(values).length <= 50, "at most 50 keys"),
			}),
		)
		.handler(({ context, input }) => {
			requireSecretsManager(context.role);
			return secrets.upsertSecrets(
				context.web.services,
				{ ...orpcScope(context), ...input, userId: context.viewer.user.id },
				secretKeyring(context.web.env),
			);
		}),

	/** Per key of a pasted or uploaded .env file: new, changed or unchanged (values compared on the server). */
	previewImport: orgProcedure
		.input(z.object({ scope: scopeSchema, content: envFile }))
		.handler(({ context, input }) => {
			requireSecretsManager(context.role);
			return secrets.previewEnvImport(
				context.web.services,
				{ ...orpcScope(context), ...input },
				secretKeyring(context.web.env),
			);
		}),

	applyImport: orgProcedure
		.input(
			z.object({
				scope: scopeSchema,
				content: envFile,
				choices: z.record(key, z.enum(["overwrite", "keep"])).optional(),
			}),
		)
		.handler(({ context, input }) => {
			requireSecretsManager(context.role);
			return secrets.applyEnvImport(
				context.web.services,
				{ ...orpcScope(context), ...input, userId: context.viewer.user.id },
				secretKeyring(context.web.env),
			);
		}),

	bundles: {
		list: orgProcedure.handler(({ context }) =>
			secrets.listBundles(context.web.services, orpcScope(context)),
		),
		create: orgProcedure
			.input(z.object({ name: z.string().max(64), description: description.optional() }))
			.handler(({ context, input }) => {
				requireSecretsManager(context.role);
				return secrets.createBundle(context.web.services, {
					...orpcScope(context),
					...input,
					userId: context.viewer.user.id,
				});
			}),
		update: orgProcedure
			.input(
				z.object({ bundleId: id, name: z.string().max(64).optional(), description: description.optional() }),
			)
			.handler(({ context, input }) => {
				requireSecretsManager(context.role);
				return secrets.updateBundle(context.web.services, { ...orpcScope(context), ...input });
			}),
		delete: orgProcedure.input(z.object({ bundleId: id })).handler(async ({ context, input }) => {
			requireSecretsManager(context.role);
			await secrets.deleteBundle(context.web.services, { ...orpcScope(context), bundleId: input.bundleId });
			return { deleted: true };
		}),
	},

	/** A repository's environment: its attached bundles in order, and what resolves (keys and sources, no values). */
	forRepo: orgProcedure.input(z.object({ repoId: id })).handler(async ({ context, input }) => {
		const scope = { ...orpcScope(context), repoId: input.repoId };
		return {
			bundles: await secrets.listRepoBundles(context.web.services, scope),
			resolved: await secrets.describeRepoResolution(context.web.services, scope),
		};
	}),

	setRepoBundles: orgProcedure
		.input(z.object({ repoId: id, bundleIds: z.array(id).max(20) }))
		.handler(({ context, input }) => {
			requireSecretsManager(context.role);
			return secrets.setRepoBundles(context.web.services, { ...orpcScope(context), ...input });
		}),
};
