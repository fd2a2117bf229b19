import "./server.suite.ts";
