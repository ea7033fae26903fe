export { type Auth, type AuthOptions, createAuth } from "./create-auth";
export { setCredentialPassword } from "./credentials";
export { checkSignInAllowed, recordSignInAttempt, SIGN_IN_LIMIT } from "./rate-limit";
