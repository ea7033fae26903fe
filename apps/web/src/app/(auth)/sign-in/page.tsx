import type { Metadata } from "next";
import { SignInForm } from "@/components/auth/sign-in-form";
import { getWebContext } from "@/server/context";

export const metadata: Metadata = { title: "Sign in" };
export const dynamic = "force-dynamic";

export default function SignInPage() {
	const env = getWebContext().env;
	return <SignInForm githubEnabled={Boolean(env.GITHUB_OAUTH_CLIENT_ID && env.GITHUB_OAUTH_CLIENT_SECRET)} />;
}
