export { type FakeE2bServer, startFakeE2bServer } from "./fake-e2b-server";
export { type FakeImageMount, FakeMachine } from "./fake-machine";
export { createFakeModal, type FakeModal } from "./fake-modal-client";
export { type FakeModalServer, startFakeModalServer } from "./fake-modal-server";
export { createFixtureRepo } from "./git-fixture";
export { loadModalDefinitions } from "./modal-definitions";
