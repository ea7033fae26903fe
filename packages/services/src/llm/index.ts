export * from "./errors";
export {
	NANO_USD_PER_USD,
	nanoToUsd,
	type SpendEntry,
	type SpendRecord,
	toVirtualKey,
	usdToNano,
	type VirtualKey,
	type VirtualKeyRecord,
} from "./mapper";
export * from "./service";
