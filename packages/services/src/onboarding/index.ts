export type { Onboarding, OnboardingStep, OnboardingStepId } from "./mapper";
export * from "./service";
