import type { Metadata } from "next";
import { ForgotPasswordForm } from "@/components/auth/password-reset-forms";
import { getWebContext, outboxVisible } from "@/server/context";

export const metadata: Metadata = { title: "Reset your password" };
export const dynamic = "force-dynamic";

export default function ForgotPasswordPage() {
	return <ForgotPasswordForm localOutbox={outboxVisible(getWebContext())} />;
}
