import type { OrgScope, ServiceContext } from "../context";
import type { Repo } from "../repos/mapper";
import { getRepo } from "../repos/service";
import { InvalidBranchError, InvalidSessionTransitionError, UnknownModelError } from "./errors";
import type { Session } from "./mapper";
import type { ModelOption } from "./models";
import { getSession } from "./service";
import type { SessionStatus } from "./state";

/** The rules a session request must pass before the gateway is asked to act (no gateway calls here). */

const branchPattern = /^(?!-)(?!.*\.\.)(?!.*\/\/)[A-Za-z0-9._/-]{1,200}$/;

export interface SessionStartPlan {
	repo: Repo;
	branch: string;
	/** The chosen model, or the default one; undefined when no model is configured as default. */
	model: ModelOption | undefined;
}

/**
 * Checks a new session's request: the repository is the organization's, the branch (else the
 * repository's default branch) is a valid name, and the model (else the default) is configured.
 */
export async function planSessionStart(
	context: ServiceContext,
	params: OrgScope & {
		repoId: string;
		branch?: string | null;
		modelId?: string | null;
		models: ModelOption[];
	},
): Promise<SessionStartPlan> {
	const repo = await getRepo(context, params);
	const branch = params.branch?.trim() || repo.defaultBranch;
	if (!branchPattern.test(branch)) throw new InvalidBranchError(branch);
	const model = params.modelId
		? params.models.find((candidate) => candidate.id === params.modelId)
		: params.models.find((candidate) => candidate.isDefault);
	if (params.modelId && !model) throw new UnknownModelError(params.modelId);
	return { repo, branch, model };
}

/** The session, when its status is one of `allowed`; otherwise it cannot go to `target`. */
export async function requireSessionStatus(
	context: ServiceContext,
	params: OrgScope & { sessionId: string },
	allowed: readonly SessionStatus[],
	target: SessionStatus,
): Promise<Session> {
	const session = await getSession(context, params);
	if (!allowed.includes(session.status)) {
		throw new InvalidSessionTransitionError(session.id, session.status, target);
	}
	return session;
}
