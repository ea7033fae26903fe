export { type Auth, type AuthOptions, createAuth } from "./create-auth";
export { checkSignInAllowed, recordSignInAttempt, SIGN_IN_LIMIT } from "./rate-limit";
