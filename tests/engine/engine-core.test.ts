import "./engine-core.suite.ts";
