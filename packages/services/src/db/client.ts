/** The only door to @proliferate/db for the rest of the platform's code. */
export {
	createDb,
	type Database,
	type DatabaseHandle,
	type DatabaseOrTransaction,
	runMigrations,
	type Transaction,
	withTransaction,
} from "@proliferate/db";
