import type { Metadata } from "next";
import { SignUpForm } from "@/components/auth/sign-up-form";
import { getWebContext, outboxVisible } from "@/server/context";

export const metadata: Metadata = { title: "Create your account" };
export const dynamic = "force-dynamic";

export default function SignUpPage() {
	const web = getWebContext();
	return (
		<SignUpForm
			githubEnabled={Boolean(web.env.GITHUB_OAUTH_CLIENT_ID && web.env.GITHUB_OAUTH_CLIENT_SECRET)}
			localOutbox={outboxVisible(web)}
		/>
	);
}
