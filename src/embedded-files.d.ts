/** A file bundled by `bun build --compile`; the import yields its path inside the executable. */
declare module "*.so" {
  const path: string;
  export default path;
}
declare module "*/standalone.js" {
  const path: string;
  export default path;
}
