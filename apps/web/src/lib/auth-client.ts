import { createAuthClient } from "better-auth/react";

/** better-auth's browser client (sign-up, sign-in, sign-out, verification) on /api/auth. */
export const authClient = createAuthClient();
