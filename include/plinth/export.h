/* plinth — PL_API marks what the library exports.
 *
 * Every function and variable declared in include/plinth/ carries PL_API;
 * everything else in libplinth is compiled with -fvisibility=hidden (when
 * the compiler has it: configure checks) and spelled pl__* / PL__*, so a
 * reader tells the public API from internals at a glance and `nm -D
 * libplinth.so` lists exactly what these headers declare (libuv's
 * UV_EXTERN and uv__ make the same split).
 */
#ifndef PLINTH_EXPORT_H
#define PLINTH_EXPORT_H

#if defined(_WIN32) && defined(PLINTH_BUILDING_DLL)
#define PL_API __declspec(dllexport)
#elif defined(_WIN32) && defined(PLINTH_USING_DLL)
#define PL_API __declspec(dllimport)
#elif defined(__GNUC__) && __GNUC__ >= 4
#define PL_API __attribute__((visibility("default")))
#else
#define PL_API
#endif

#endif /* PLINTH_EXPORT_H */
