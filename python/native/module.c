/*
 * linrec._native: the CPython extension between the linrec Python package and liblinrec.
 *
 * It holds no array logic of its own: the Python layer (linrec/_core.py) maps arrays onto a
 * problem, and this module checks that every buffer it is given is C-contiguous and large enough
 * for that problem, then calls the library with the GIL released. Failures raise the package's
 * exception for the status (linrec._errors.ERRORS) with the library's sentence.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdint.h>

#include "linrec/linrec.h"

/* linrec._errors.ERRORS, indexed by linrec_status; set when the module is imported. */
static PyObject *errors_by_status;

static PyObject *raise_status(linrec_status status, const char *detail)
{
    PyObject *type = PyExc_RuntimeError;
    if (errors_by_status && (Py_ssize_t)status < PyTuple_GET_SIZE(errors_by_status))
        type = PyTuple_GET_ITEM(errors_by_status, (Py_ssize_t)status);
    PyErr_Format(type, "%s: %s", linrec_status_string(status), detail);
    return NULL;
}

typedef struct {
    PyObject_HEAD linrec_context *ctx;
} ContextObject;

static int context_init(ContextObject *self, PyObject *args, PyObject *kwargs)
{
    static char *keywords[] = {"backend", NULL};
    const char *backend = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|z", keywords, &backend))
        return -1;
    if (self->ctx) {
        PyErr_SetString(PyExc_RuntimeError, "a linrec context cannot be initialized twice");
        return -1;
    }
    PyThreadState *released = PyEval_SaveThread();
    linrec_status status = linrec_context_create(backend, &self->ctx);
    PyEval_RestoreThread(released);
    if (status != LINREC_OK) {
        raise_status(status, linrec_last_error());
        return -1;
    }
    return 0;
}

static void context_dealloc(ContextObject *self)
{
    linrec_context_destroy(self->ctx);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* The context of `self`, or NULL with an exception when it was never initialized. */
static linrec_context *context_of(ContextObject *self)
{
    if (!self->ctx)
        PyErr_SetString(PyExc_RuntimeError, "the linrec context was not initialized");
    return self->ctx;
}

/* The arrays of one call: Py_buffers acquired from Python objects, released together. */
enum { MAX_ARRAYS = 7 };
typedef struct call_arrays {
    Py_buffer views[MAX_ARRAYS];
    int acquired[MAX_ARRAYS];
} call_arrays;

static void release_arrays(call_arrays *arrays)
{
    for (int i = 0; i < MAX_ARRAYS; i++)
        if (arrays->acquired[i])
            PyBuffer_Release(&arrays->views[i]);
}

/* Acquires argument `i` (`name` in messages) as a C-contiguous buffer of at least `bytes` bytes,
 * writable when `writable`; None gives NULL where `optional`. Returns 0, or -1 with an exception.
 */
static int acquire(call_arrays *arrays, int i, PyObject *object, const char *name, size_t bytes,
                   int writable, int optional, void **data)
{
    *data = NULL;
    if (object == Py_None) {
        if (optional)
            return 0;
        PyErr_Format(PyExc_TypeError, "%s must be an array, not None", name);
        return -1;
    }
    int flags = PyBUF_C_CONTIGUOUS | (writable ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(object, &arrays->views[i], flags) != 0)
        return -1;
    arrays->acquired[i] = 1;
    if ((size_t)arrays->views[i].len < bytes) {
        PyErr_Format(PyExc_ValueError, "%s holds %zd bytes; the problem needs %zu", name,
                     arrays->views[i].len, bytes);
        return -1;
    }
    *data = arrays->views[i].buf;
    return 0;
}

/* What an argument holds: the problem's elements (x, h, dh, dx), its coefficients (a and da: f32
 * under LINREC_COEFFICIENTS_F32, the dtype's elements otherwise) or [batch][channels] states. */
typedef enum array_extent { SEQUENCE, COEFFICIENTS, STATES, EXTENTS } array_extent;

/* Reads (dtype, layout, batch, steps, channels, flags) into `p` and the byte size of each extent.
 * Returns 0, or -1 with an exception. */
static int parse_problem(PyObject *shape, linrec_problem *p, size_t bytes[EXTENTS])
{
    int dtype, layout;
    unsigned flags;
    Py_ssize_t batch, steps, channels;
    if (!PyArg_ParseTuple(shape,
                          "iinnnI;problem must be (dtype, layout, batch, steps, channels, "
                          "flags)",
                          &dtype, &layout, &batch, &steps, &channels, &flags))
        return -1;
    if (batch < 0 || steps < 0 || channels < 0) {
        PyErr_SetString(PyExc_ValueError, "problem sizes must not be negative");
        return -1;
    }
    *p = (linrec_problem){(linrec_dtype)dtype, (linrec_layout)layout, (size_t)batch,
                          (size_t)steps,       (size_t)channels,      flags};
    size_t element = dtype == LINREC_C128                          ? 2 * sizeof(double)
                     : dtype == LINREC_F64 || dtype == LINREC_C64  ? sizeof(double)
                     : dtype == LINREC_F16 || dtype == LINREC_BF16 ? sizeof(uint16_t)
                                                                   : sizeof(float);
    int half = dtype == LINREC_F16 || dtype == LINREC_BF16;
    size_t coefficient = half && (flags & LINREC_COEFFICIENTS_F32) ? sizeof(float) : element;
    size_t states = 0, elements = 0;
    if (__builtin_mul_overflow(p->batch, p->channels, &states) ||
        __builtin_mul_overflow(states, p->steps, &elements) ||
        __builtin_mul_overflow(elements, element, &bytes[SEQUENCE]) ||
        __builtin_mul_overflow(elements, coefficient, &bytes[COEFFICIENTS]) ||
        __builtin_mul_overflow(states, element, &bytes[STATES])) {
        PyErr_SetString(PyExc_OverflowError, "the problem's size overflows");
        return -1;
    }
    return 0;
}

/* What one argument of a call is: its name, what it holds, whether the library writes it, and
 * whether None may stand for it. */
typedef struct array_role {
    const char *name;
    array_extent extent;
    int writable, optional;
} array_role;

/* Runs `call` on `count` arrays whose roles are `roles`: the context, the problem and the buffers
 * checked and acquired, the GIL released during the call. Returns None, or NULL with an
 * exception. */
static PyObject *
run_call(ContextObject *self, PyObject *shape, PyObject *const *objects, const array_role *roles,
         int count, linrec_status (*call)(linrec_context *, const linrec_problem *, void *const *))
{
    linrec_context *ctx = context_of(self);
    linrec_problem p;
    size_t bytes[EXTENTS];
    if (!ctx || parse_problem(shape, &p, bytes) != 0)
        return NULL;
    call_arrays arrays = {0};
    void *data[MAX_ARRAYS];
    for (int i = 0; i < count; i++)
        if (acquire(&arrays, i, objects[i], roles[i].name, bytes[roles[i].extent],
                    roles[i].writable, roles[i].optional, &data[i]) != 0) {
            release_arrays(&arrays);
            return NULL;
        }
    PyThreadState *released = PyEval_SaveThread();
    linrec_status status = call(ctx, &p, data);
    PyEval_RestoreThread(released);
    release_arrays(&arrays);
    if (status != LINREC_OK)
        return raise_status(status, linrec_last_error());
    Py_RETURN_NONE;
}

static linrec_status call_scan(linrec_context *ctx, const linrec_problem *p, void *const *data)
{
    return linrec_scan(ctx, p, data[0], data[1], data[2], data[3]);
}

static linrec_status call_scan_backward(linrec_context *ctx, const linrec_problem *p,
                                        void *const *data)
{
    return linrec_scan_backward(ctx, p, data[0], data[1], data[2], data[3], data[4], data[5],
                                data[6]);
}

static PyObject *context_scan(ContextObject *self, PyObject *args)
{
    static const array_role roles[] = {{"a", COEFFICIENTS, 0, 0},
                                       {"x", SEQUENCE, 0, 0},
                                       {"h0", STATES, 0, 1},
                                       {"h", SEQUENCE, 1, 0}};
    PyObject *shape, *objects[4];
    if (!PyArg_ParseTuple(args, "OOOOO:scan", &shape, &objects[0], &objects[1], &objects[2],
                          &objects[3]))
        return NULL;
    return run_call(self, shape, objects, roles, 4, call_scan);
}

static PyObject *context_scan_backward(ContextObject *self, PyObject *args)
{
    static const array_role roles[] = {{"a", COEFFICIENTS, 0, 0}, {"h0", STATES, 0, 1},
                                       {"h", SEQUENCE, 0, 1},     {"dh", SEQUENCE, 0, 0},
                                       {"dx", SEQUENCE, 1, 0},    {"da", COEFFICIENTS, 1, 1},
                                       {"dh0", STATES, 1, 1}};
    PyObject *shape, *objects[7];
    if (!PyArg_ParseTuple(args, "OOOOOOOO:scan_backward", &shape, &objects[0], &objects[1],
                          &objects[2], &objects[3], &objects[4], &objects[5], &objects[6]))
        return NULL;
    return run_call(self, shape, objects, roles, 7, call_scan_backward);
}

static PyObject *context_backend(ContextObject *self, void *closure)
{
    (void)closure;
    return PyUnicode_FromString(linrec_context_backend(self->ctx));
}

static PyObject *context_device(ContextObject *self, void *closure)
{
    (void)closure;
    return PyUnicode_FromString(linrec_context_device(self->ctx));
}

static PyObject *context_address(ContextObject *self, void *closure)
{
    (void)closure;
    return PyLong_FromVoidPtr(self->ctx);
}

static PyMethodDef context_methods[] = {
    {"scan", (PyCFunction)context_scan, METH_VARARGS,
     "scan(problem, a, x, h0, h): linrec_scan on C-contiguous buffers; h0 may be None."},
    {"scan_backward", (PyCFunction)context_scan_backward, METH_VARARGS,
     "scan_backward(problem, a, h0, h, dh, dx, da, dh0): linrec_scan_backward; h0, h, da and dh0 "
     "may be None."},
    {NULL, NULL, 0, NULL}};

static PyGetSetDef context_properties[] = {
    {"backend", (getter)context_backend, NULL, "The backend's canonical name.", NULL},
    {"device", (getter)context_device, NULL, "A description of the context's device.", NULL},
    {"address", (getter)context_address, NULL,
     "The linrec_context's address, for the JAX handlers (valid while the object lives).", NULL},
    {NULL, NULL, NULL, NULL, NULL}};

static PyTypeObject context_type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "linrec._native.Context",
    .tp_doc = "Context(backend=None): a linrec context (linrec_context_create).",
    .tp_basicsize = sizeof(ContextObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)context_init,
    .tp_dealloc = (destructor)context_dealloc,
    .tp_methods = context_methods,
    .tp_getset = context_properties,
};

static PyObject *native_backend_names(PyObject *module, PyObject *unused)
{
    (void)module;
    (void)unused;
    size_t count = linrec_backend_count();
    PyObject *names = PyList_New((Py_ssize_t)count);
    for (size_t i = 0; names && i < count; i++) {
        PyObject *name = PyUnicode_FromString(linrec_backend_name(i));
        if (!name) {
            Py_DECREF(names);
            return NULL;
        }
        PyList_SET_ITEM(names, (Py_ssize_t)i, name);
    }
    return names;
}

static PyObject *native_probe(PyObject *module, PyObject *args)
{
    (void)module;
    const char *name = NULL;
    if (!PyArg_ParseTuple(args, "z:probe", &name))
        return NULL;
    PyThreadState *released = PyEval_SaveThread();
    linrec_status status = linrec_backend_probe(name);
    const char *reason = status == LINREC_OK ? "" : linrec_last_error();
    PyEval_RestoreThread(released);
    return Py_BuildValue("(is)", (int)status, reason);
}

static PyObject *native_version(PyObject *module, PyObject *unused)
{
    (void)module;
    (void)unused;
    return PyUnicode_FromString(linrec_version());
}

static PyMethodDef native_functions[] = {
    {"backend_names", native_backend_names, METH_NOARGS,
     "The backends this build knows, in auto's order."},
    {"probe", native_probe, METH_VARARGS,
     "probe(name): (status, reason) of linrec_backend_probe; reason is '' when usable."},
    {"version", native_version, METH_NOARGS, "The C library's version."},
    {NULL, NULL, 0, NULL}};

static int native_exec(PyObject *module)
{
    PyObject *errors = PyImport_ImportModule("linrec._errors");
    if (!errors)
        return -1;
    errors_by_status = PyObject_GetAttrString(errors, "ERRORS");
    Py_DECREF(errors);
    if (!errors_by_status || !PyTuple_Check(errors_by_status)) {
        PyErr_SetString(PyExc_ImportError, "linrec._errors.ERRORS must be a tuple");
        return -1;
    }
    if (PyType_Ready(&context_type) != 0)
        return -1;
    Py_INCREF(&context_type);
    if (PyModule_AddObject(module, "Context", (PyObject *)&context_type) != 0) {
        Py_DECREF(&context_type);
        return -1;
    }
    return 0;
}

static PyModuleDef_Slot native_slots[] = {{Py_mod_exec, native_exec}, {0, NULL}};

static struct PyModuleDef native_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "linrec._native",
    .m_doc = "The C extension between the linrec package and liblinrec.",
    .m_size = 0,
    .m_methods = native_functions,
    .m_slots = native_slots};

PyMODINIT_FUNC PyInit__native(void); /* the one exported symbol, found by name on import */

PyMODINIT_FUNC PyInit__native(void)
{
    return PyModuleDef_Init(&native_module);
}
