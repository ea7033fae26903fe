import { accountRouter } from "./account";
import { adminRouter } from "./admin";
import { apiKeysRouter } from "./api-keys";
import { devRouter } from "./dev";
import { integrationsRouter } from "./integrations";
import { invitationsRouter } from "./invitations";
import { modelsRouter } from "./models";
import { onboardingRouter } from "./onboarding";
import { orgsRouter } from "./orgs";
import { reposRouter } from "./repos";
import { sandboxProviderRouter } from "./sandbox-provider";
import { secretsRouter } from "./secrets";
import { sessionsRouter } from "./sessions";

/** Every oRPC router of the web app. Add a router: import it and add one line here. */
export const appRouter = {
	account: accountRouter,
	orgs: orgsRouter,
	invitations: invitationsRouter,
	apiKeys: apiKeysRouter,
	admin: adminRouter,
	onboarding: onboardingRouter,
	dev: devRouter,
	repos: reposRouter,
	sessions: sessionsRouter,
	models: modelsRouter,
	integrations: integrationsRouter,
	sandboxProvider: sandboxProviderRouter,
	secrets: secretsRouter,
};

export type AppRouter = typeof appRouter;
