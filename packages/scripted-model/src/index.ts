export { type ChatMessage, fillPlaceholders, planReply } from "./conversation";
export { builtInScripts, demoScript, type Script, scriptSchema, slowScript } from "./scripts";
export { createScriptedModelServer, type ScriptedModelOptions, type ScriptedModelServer } from "./server";
