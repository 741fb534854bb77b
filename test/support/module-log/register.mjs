// `node --import <this file>`: every module the process loads, by URL, one a line, appended to the file that
// MODULE_LOG names. Node's own module hooks (module.register) see each ES module as it is loaded, a dynamic
// import() included, so a test can tell which modules a start loaded and which it never did.
import { register } from 'node:module';
import process from 'node:process';

if (process.env.MODULE_LOG) register('./hooks.mjs', import.meta.url, { data: { file: process.env.MODULE_LOG } });
