/* Symbol visibility for the public API: everything else in liblinrec is hidden. */
#ifndef LINREC_EXPORT_H
#define LINREC_EXPORT_H

#if defined(_WIN32)
#if defined(LINREC_BUILDING_LIBRARY)
#define LINREC_API __declspec(dllexport)
#else
#define LINREC_API __declspec(dllimport)
#endif
#elif defined(__GNUC__)
#define LINREC_API __attribute__((visibility("default")))
#else
#define LINREC_API
#endif

#endif /* LINREC_EXPORT_H */
