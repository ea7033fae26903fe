export { type E2BProviderConfig, E2BSandboxProvider } from "./e2b-provider";
