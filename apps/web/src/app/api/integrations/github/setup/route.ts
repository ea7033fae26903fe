import { getWebContext } from "@/server/context";
import { handleGithubAppSetup } from "@/server/github-app-setup";

export const dynamic = "force-dynamic";

/** The GitHub App's Setup URL (GitHub redirects here after an installation). */
export function GET(request: Request): Promise<Response> {
	return handleGithubAppSetup(getWebContext(), request);
}
