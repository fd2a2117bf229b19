import "./batching.suite.ts";
