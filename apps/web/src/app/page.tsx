import { redirect } from "next/navigation";
import { getPageViewer } from "@/server/page-auth";

export const dynamic = "force-dynamic";

export default async function Home() {
	const viewer = await getPageViewer();
	redirect(viewer ? "/dashboard" : "/sign-in");
}
